"""The demo LTI platform (only with MIRCO_DEMO=1)."""
