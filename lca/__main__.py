"""`python -m lca`, the same as `genai-lca`."""


from lca.cli import main_exit

main_exit()
