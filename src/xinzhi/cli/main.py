"""The `xinzhi` command: the command groups, each in its own module."""

from __future__ import annotations

import typer

from . import (
    assess,
    chain,
    code,
    compute,
    db,
    demo,
    imports,
    match,
    policy,
    report,
    rules,
    serve,
    track,
    user,
)

app = typer.Typer(
    help="新质 Xinzhi — 城市科技局未来产业工作平台 / a city S&T bureau's platform",
    no_args_is_help=True,
)
app.add_typer(db.app, name="db")
app.add_typer(code.app, name="code")
app.add_typer(rules.app, name="rules")
app.add_typer(policy.app, name="policy")
app.add_typer(chain.app, name="chain")
app.add_typer(match.app, name="match")
app.add_typer(compute.app, name="compute")
app.add_typer(user.app, name="user")
app.add_typer(track.app, name="track")
app.add_typer(track.scenario_app, name="scenario")
app.add_typer(report.app, name="report")
app.command("kinds")(imports.kinds)
app.command("template")(imports.template)
app.command("import")(imports.import_)
app.command("assess")(assess.assess)
app.command("explain")(assess.explain)
app.command("cultivate")(assess.cultivate)
app.command("demo")(demo.demo)
app.command("stats")(serve.stats)
app.command("serve")(serve.serve)

if __name__ == "__main__":
    app()
