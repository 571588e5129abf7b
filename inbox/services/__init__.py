"""Every write of the inbox, split by concern (Zulip's zerver/actions/ shape)."""
