"""The pure core: units, the rules engine, typed provenance with the source registry it cites, where the shipped data live, and the errors a person can act on."""
