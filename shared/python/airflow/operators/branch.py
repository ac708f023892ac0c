"""BaseBranchOperator: subclasses implement ``choose_branch(context)``."""
from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import BranchMixIn


class BaseBranchOperator(BaseOperator, BranchMixIn):
    _skydag_branching = True

    def choose_branch(self, context):
        raise NotImplementedError

    def execute(self, context):
        return self.do_branch(context, self.choose_branch(context))
