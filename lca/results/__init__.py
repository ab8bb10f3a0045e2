"""The results document: its typed sections and their JSON writer, and what the results rest on (inputs, inventory, data quality)."""
