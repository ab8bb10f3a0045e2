"""From quantities to Brightway datasets as plain dicts: the foreground template and its builder."""
