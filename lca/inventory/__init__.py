"""From quantities to Brightway: the open data (pure), the datasets (pure dicts), the writer."""
