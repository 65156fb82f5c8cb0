"""The intake service: the storefront's Customer Data Requests page, verify links, webhooks."""
