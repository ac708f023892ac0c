"""Airflow 1.10's check operators (``airflow.operators.check_operator``): the common-sql ones under their old names."""
from airflow.providers.common.sql.operators.sql import (
    SQLCheckOperator as CheckOperator,
    SQLIntervalCheckOperator as IntervalCheckOperator,
    SQLThresholdCheckOperator as ThresholdCheckOperator,
    SQLValueCheckOperator as ValueCheckOperator,
)

__all__ = ["CheckOperator", "IntervalCheckOperator", "ThresholdCheckOperator", "ValueCheckOperator"]
