"""Airflow's example DAG helpers that DAG files import (skydag's implementation)."""
