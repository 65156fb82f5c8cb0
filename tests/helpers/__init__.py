"""What tests share: builders, runners and readers, so that no test module imports another."""
