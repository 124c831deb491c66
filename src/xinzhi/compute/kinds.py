"""The columns of the compute imports: usage (one row per job or tenant-day, including
Slurm ``sacct`` exports), tenants, reservations and unmet requests.

Declared as ingest ``Kind``s so that the import machinery's header binding (Chinese, English
and ``sacct`` names), templates and guides apply to them unchanged.
"""

from __future__ import annotations

from ..domain.enums import LabelledEnum
from ..ingest import columns as c
from ..ingest.columns import Column
from ..ingest.kinds import Kind
from ..store.models.compute import (
    ComputeRequest,
    ComputeReservation,
    ComputeTenant,
    ComputeUsage,
)


class JobType(LabelledEnum):
    TRAINING = ("training", "训练", "train")
    INFERENCE = ("inference", "推理", "infer")
    SIMULATION = ("simulation", "仿真", "科学计算", "hpc")
    OTHER = ("other", "其他")


class TenantKind(LabelledEnum):
    ENTERPRISE = ("enterprise", "企业")
    UNIVERSITY = ("university", "高校", "大学")
    INSTITUTE = ("institute", "科研院所", "研究所", "院所")
    OTHER = ("other", "其他")


def _datetime_column(name: str, zh: str, doc_zh: str, doc_en: str, aliases=()) -> Column:
    return Column(
        name,
        zh,
        c.text(40),  # parsed set-at-a-time in DuckDB (imports._usage_checks)
        "日期时间",
        "date-time",
        doc_zh=doc_zh + "；格式 2023-05-01 08:00:00 或 2023-05-01T08:00:00（sacct）",
        doc_en=doc_en + "; 2023-05-01 08:00:00 or 2023-05-01T08:00:00 (sacct)",
        example="2023-05-01T08:00:00",
        aliases=aliases,
    )


_TENANT = Column(
    "tenant",
    "用户账号",
    c.text(100),
    "文本",
    "text",
    doc_zh="算力中心的用户账号（须先登记为该中心的用户）",
    doc_en="the centre's account of the tenant (registered first)",
    example="lnlab",
    aliases=("Account", "账号", "租户"),
)
_POOL = Column(
    "pool",
    "资源池",
    c.text(40),
    "文本",
    "text",
    doc_zh="资源池代码（Slurm 分区）",
    doc_en="the pool's code (the Slurm partition)",
    example="ascend910b",
    aliases=("Partition", "分区"),
)
_CARDS = Column(
    "cards",
    "卡数",
    c.text(40),
    "整数",
    "whole number",
    doc_zh="占用的加速卡数（CPU 资源池为核数）；也可给 sacct 的 AllocTRES（gres/gpu=8 或 cpu=64）",
    doc_en="accelerator cards held (cores for a CPU pool); or sacct's AllocTRES "
    "(gres/gpu=8 or cpu=64)",
    example="8",
    aliases=("AllocTRES", "卡数/核数", "AllocGPUs", "NCPUS"),
)

USAGE = Kind(
    name="compute_usage",
    zh="算力使用记录",
    table=ComputeUsage.__table__,
    columns=(
        Column(
            "job_id",
            "作业号",
            c.text(60),
            "文本",
            "text",
            doc_zh="作业号或记录号，在本中心唯一；重复导入同一作业号即更新该记录",
            doc_en="job or record id, unique within the centre; importing it again updates it",
            example="1048576",
            aliases=("JobID", "记录号"),
        ),
        _TENANT,
        _POOL,
        _datetime_column("start", "开始时间", "作业开始时间", "when the job started", ("Start",)),
        _datetime_column("end", "结束时间", "作业结束时间", "when the job ended", ("End",)),
        _CARDS,
        Column(
            "card_hours",
            "卡时",
            c.text(40),
            "数值",
            "number",
            required=False,
            doc_zh="卡时（核时）；留空时按 卡数 × 时长 计算，不得超过 卡数 × 时长",
            doc_en="card-hours (core-hours); blank: cards × duration; never more than that",
            example="64",
            aliases=("核时", "card-hours"),
        ),
        Column(
            "job_type",
            "作业类型",
            c.choice(JobType),
            "选项",
            "choice",
            required=False,
            doc_zh="训练、推理、仿真、其他；留空为其他",
            doc_en="training, inference, simulation, other; blank: other",
            example="训练",
            aliases=("类型", "JobType"),
        ),
        Column(
            "fee",
            "费用",
            c.money,
            "金额（元）",
            "money (CNY yuan)",
            required=False,
            money=True,
            doc_zh="本条记录的费用；单位元，列名可写（万元）；不得为负",
            doc_en="the fee of this row; yuan, or write (万元) in the header; not negative",
            example="1280.00",
            aliases=("金额", "计费"),
        ),
    ),
    key=("centre_id", "job_id"),
    file_key=("job_id",),
    doc_en="a centre's accounting export: one row per job or per tenant-day",
)

TENANTS = Kind(
    name="compute_tenants",
    zh="算力中心用户",
    table=ComputeTenant.__table__,
    columns=(
        Column(
            "account",
            "用户账号",
            c.text(100),
            "文本",
            "text",
            doc_zh="在本中心的账号（sacct 的 Account）",
            doc_en="the account at this centre (sacct's Account)",
            example="lnlab",
            aliases=("Account", "账号"),
        ),
        Column("name", "用户名称", c.text(200), "文本", "text", example="辽河实验室"),
        Column(
            "kind",
            "用户类型",
            c.choice(TenantKind),
            "选项",
            "choice",
            doc_zh="企业、高校、科研院所、其他",
            doc_en="enterprise, university, institute, other",
            example="科研院所",
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            None,  # the import's CreditCodeChecker
            "统一社会信用代码",
            "credit code (GB 32100)",
            required=False,
            doc_zh="企业必填；已登记企业据此关联",
            doc_en="required for an enterprise; links a registered enterprise",
            example="91210112MA0XK1WQ4J",
        ),
        Column(
            "city",
            "所在城市",
            c.text(50),
            "文本",
            "text",
            doc_zh="用于区分本地与外地用户",
            doc_en="tells local from outside use",
            example="沈阳市",
        ),
    ),
    key=("centre_id", "account"),
    file_key=("account",),
    doc_en="the clients of a centre",
)


def _period(prefix_zh: str, name: str, zh: str, en: str) -> Column:
    return _datetime_column(name, f"{prefix_zh}{zh}", f"{prefix_zh}{zh}", en)


RESERVATIONS = Kind(
    name="compute_reservations",
    zh="算力预留",
    table=ComputeReservation.__table__,
    columns=(
        _TENANT,
        _POOL,
        Column("cards", "卡数", c.count, "整数", "whole number", example="64"),
        _period("预留", "start", "开始时间", "reserved from"),
        _period("预留", "end", "结束时间", "reserved until"),
    ),
    key=("id",),
    file_key=("tenant", "pool", "start"),
    doc_en="cards of a pool reserved for a tenant over a period",
)

REQUESTS = Kind(
    name="compute_requests",
    zh="未满足的算力需求",
    table=ComputeRequest.__table__,
    columns=(
        _TENANT,
        _POOL,
        Column("cards", "卡数", c.count, "整数", "whole number", example="128"),
        _period("需求", "start", "开始时间", "wanted from"),
        _period("需求", "end", "结束时间", "wanted until"),
        _datetime_column("asked_at", "提出时间", "提出需求的时间", "when it was asked"),
    ),
    key=("id",),
    file_key=("tenant", "pool", "start", "asked_at"),
    doc_en="requests the centre could not serve",
)

COMPUTE_KINDS = {kind.name: kind for kind in (USAGE, TENANTS, RESERVATIONS, REQUESTS)}
