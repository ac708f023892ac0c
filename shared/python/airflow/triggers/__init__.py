"""Triggers (``airflow.triggers``): what a deferred task waits on; skydag awaits them in the task's process."""
