"""Pieces of the command line (`python -m core`): how it prints (counts, progress, tables) and commands of their own."""
