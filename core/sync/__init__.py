"""The sync room: the snapshot, the guard, the diff and the guarded writer (re-read → guard → write → log)."""
