"""The notifier service: notifications, email recipients, LINE targets and their delivery."""
