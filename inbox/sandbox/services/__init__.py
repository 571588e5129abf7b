"""Every write of the sandbox, one module per concern: numbers (and Bearer auth), sends (the
business's messages and the statuses they are owed), inbound (the customer's phone writing in),
media, templates (creation, review, listing) and webhooks (posting to our receiver)."""
