"""Airflow's example plugins that example DAGs import (skydag's implementation)."""
