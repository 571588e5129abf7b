"""Every write of routing: plain functions `verb_noun(tenant, *, ...)`, one module per concern.

Lock order, everywhere (so no two services deadlock): queue entries and conversations first
(the engine claims them with SKIP LOCKED), then agent profiles in primary-key order, then offers.
"""
