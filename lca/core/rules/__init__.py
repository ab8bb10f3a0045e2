"""The rules engine: expression parser, rule files and their static checks, evaluation, explain."""
