"""Run records: what a run writes (manifest, episode results, trajectories) and how a run directory is read.

Every area reads these; only ``solvemeter.runs.store`` writes them.
"""
