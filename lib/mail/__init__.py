"""Mail: the outbox written with each state change, its templates, and SMTP delivery."""
