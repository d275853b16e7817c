"""The sync room: the shared snapshot of an org's records (pulled at most every 4 hours), and the guard, diff and writer."""
