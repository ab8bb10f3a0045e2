"""The scoring engine: the background's scores from Brightway once, the foreground contracted over them."""
