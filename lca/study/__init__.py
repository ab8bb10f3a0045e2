"""The study: its file, the situation each functional unit gives the rules, and the names it uses resolved once."""
