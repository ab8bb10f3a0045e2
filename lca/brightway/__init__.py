"""Brightway at the edge: the project writes (ownership marks, lock), the 2.4/2.5 differences, the package and Excel exports, the link to a practitioner's own background."""
