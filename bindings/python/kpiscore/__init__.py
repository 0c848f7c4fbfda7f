"""kpiscore: score, rank, tier and pay customer-service staff, exactly.

A thin layer over the C library libkpiscore (through SWIG): the same code a
CRM links scores here, to the fen.

``kpiscore.pandas`` (imported on its own, when pandas is installed) turns
DataFrames of events into accumulator input and runs into DataFrames.
"""

from . import capi
from .errors import *  # noqa: F401,F403 - the exception classes are the package's API
from .errors import __all__ as _errors_all
from .numbers import *  # noqa: F401,F403
from .numbers import __all__ as _numbers_all
from .lint import Finding
from .quantiles import METHODS as QUANTILE_METHODS, quantile
from .pay import (Explanation, PayLine, Payslip, Row, Schedule, fine_total, pool_amount,
                  score_bonus, split_pool)
from .ranking import Ranking, RankArrays, percentrank_of, rank, rank_raw
from .tiers import (Band, ForcedDistribution, Quota, TierRow, TierTable, Streaks,
                    periods_reduce, streaks)
from .plan import Input, MetricInfo, MetricRegistry, Plan, Scorecard, ScoreLine
from .metrics import Agents, CsvStream, IngestResult, Metrics
from .sketch import Sketch, SketchStats
from .run import Run, RunPayslip, RunRow

__version__ = capi.kpi_version()


def check_version(major, minor):
    """Raises VersionError unless the loaded library serves major.minor."""
    capi.kpi_check_version(major, minor)


__all__ = ["capi", "check_version", "Finding", "quantile", "QUANTILE_METHODS",
           "Explanation", "PayLine", "Payslip", "Row", "Schedule", "fine_total", "pool_amount",
           "score_bonus", "split_pool",
           "Ranking", "RankArrays", "percentrank_of", "rank", "rank_raw",
           "Band", "ForcedDistribution", "Quota", "TierRow", "TierTable", "Streaks",
           "periods_reduce", "streaks",
           "Input", "MetricInfo", "MetricRegistry", "Plan", "Scorecard", "ScoreLine",
           "Agents", "CsvStream", "IngestResult", "Metrics", "Sketch", "SketchStats",
           "Run", "RunPayslip", "RunRow"]
__all__ += _errors_all + _numbers_all
