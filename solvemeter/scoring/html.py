"""Static HTML pages: one self-contained file each — inline CSS and SVG, no script, no external asset."""

from __future__ import annotations

from html import escape
from pathlib import Path

from solvemeter.scoring import display as d
from solvemeter.scoring import svg
from solvemeter.scoring.compare import Comparison, EpisodeKey
from solvemeter.scoring.curves import BudgetCurves
from solvemeter.scoring.leaderboard import Leaderboard
from solvemeter.scoring.report import RunReport
from solvemeter.scoring.stats import Interval
from solvemeter.scoring.summary import CostSummary, Summary

LISTED_FLIPS = 200
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; margin: 2rem auto;
       max-width: 1200px; padding: 0 1.5rem; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #5b6470; margin: 0 0 1rem; } .meta b { color: #1d232a; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .55rem; border-bottom: 1px solid #e6e9ed; text-align: right; white-space: nowrap; }
th { background: #f5f7f9; font-weight: 600; white-space: normal; vertical-align: bottom; max-width: 9rem; }
th.text, td.text { text-align: left; } td small { display: block; color: #5b6470; font-size: 11px; }
tr.total td { font-weight: 600; border-top: 2px solid #c9d0d8; }
.note { color: #5b6470; max-width: 72ch; } .warn { color: #9a5b00; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; } figcaption { color: #5b6470; }
svg { font: 11px system-ui, sans-serif; fill: #1d232a; } svg .axis { font-size: 12px; fill: #5b6470; }
details { margin: .25rem 0 1rem; } code { font-size: 12px; }
"""


def page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


class Html(str):
    """Markup built here, from escaped parts: a table writes it as it is."""


def cell_html(cell: str) -> str:
    return cell if isinstance(cell, Html) else escape(cell)


def table(headers: list[str], rows: list[list[str]], text_columns: int = 1, total_last: bool = False) -> str:
    """A table whose first ``text_columns`` columns are text (left-aligned) and the rest numbers."""

    def css(j: int) -> str:
        return ' class="text"' if j < text_columns else ""

    head = "".join(f"<th{css(j)}>{escape(h)}</th>" for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        total = ' class="total"' if total_last and i == len(rows) - 1 else ""
        body.append(f"<tr{total}>" + "".join(f"<td{css(j)}>{cell_html(c)}</td>" for j, c in enumerate(row)) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def interval_cell(iv: Interval | None, kind: str = "percent", missing: str = d.DASH) -> str:
    """The estimate, and the interval beneath it in small type."""
    if iv is None:
        return missing
    estimate, bounds = d.interval_parts(iv, kind)
    return Html(f"{escape(estimate)}<small>{escape(bounds)}</small>")


def figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption>{escape(caption)}</figcaption></figure>"


def cost_cell(cost: CostSummary) -> str:
    return interval_cell(cost.per_solved_usd, "usd") if cost.priced and cost.per_solved_usd else d.cost_per_solved(cost)


def summary_row(name: str, s: Summary) -> list[str]:
    return [
        name,
        str(s.episodes),
        str(s.valid_episodes),
        str(s.infra_errors),
        interval_cell(s.success),
        d.number(s.mean_score, 3),
        d.depth(s.steps.solved),
        d.depth(s.steps.unsolved),
        cost_cell(s.cost),
        d.total_cost(s.cost),
        f"{s.tokens.input:,} / {s.tokens.output:,}",
        d.seconds(s.wall.total_s),
    ]


def results_section(report: RunReport) -> list[str]:
    rows = [summary_row(f"{p.name} {p.version}", p.summary) for p in report.packs]
    if len(report.packs) > 1:
        rows.append(summary_row("overall", report.overall))
    headers = [
        "",
        "episodes",
        "valid",
        "infra errors",
        "success [95% CI]",
        "score",
        "steps solved med / p90",
        "steps unsolved med / p90",
        "cost per solved [95% CI]",
        "total cost",
        "tokens in / out",
        "wall time",
    ]
    outcomes = list(report.overall.outcomes)
    return [
        "<h2>Results</h2>",
        '<p class="note">Rates are over valid episodes; infra errors are counted apart and never as the agent\'s '
        "failures. Success intervals are Wilson 95%; cost per solved task is a bootstrap over tasks.</p>",
        table(headers, rows, total_last=len(report.packs) > 1),
        "<h2>Outcomes</h2>",
        table(
            ["", *(o.replace("_", " ") for o in outcomes)],
            [[p.name, *(str(p.summary.outcomes[o]) for o in outcomes)] for p in report.packs],
        ),
    ]


def depth_section(report: RunReport) -> list[str]:
    charts, notes = [], []
    for p in report.packs:
        h = p.summary.steps.histogram
        charts.append(
            figure(
                svg.histogram(h.edges, h.solved, h.unsolved, f"Step depth, {p.name}"),
                f"{p.name}: steps per valid episode",
            )
        )
        if human := p.summary.steps.human:
            notes.append(
                f"{p.name}: on {human.episodes} solved episodes of tasks with a human baseline, the agent "
                f"took a median of {d.number(human.agent_median)} steps against the human's "
                f"{d.number(human.human_median)} (median ratio {human.ratio_median:.2f}×)."
            )
    return [
        "<h2>Step depth</h2>",
        f'<div class="charts">{"".join(charts)}</div>',
        *(f'<p class="note">{escape(n)}</p>' for n in notes),
    ]


def curves_section(curves: BudgetCurves) -> list[str]:
    names = {"steps": ("step cap", ""), "cost_usd": ("dollar cap per episode", "$"), "wall_s": ("wall-time cap", "s")}
    charts = [
        figure(
            svg.line_chart(
                [svg.Line("success", c.caps, c.success, c.low, c.high)],
                f"Success by {c.axis} cap",
                names[c.axis][0],
                names[c.axis][1],
            ),
            f"success if the {names[c.axis][0]} had been x",
        )
        for c in curves.curves
        if len(c.caps) > 1
    ]
    omitted = [f'<p class="warn">{escape(names[axis][0])}: {escape(why)}</p>' for axis, why in curves.omitted.items()]
    return [
        "<h2>Budget curves</h2>",
        f'<p class="note">{escape(curves.note)}</p>',
        f'<div class="charts">{"".join(charts)}</div>',
        *omitted,
    ]


def epochs_section(report: RunReport) -> list[str]:
    parts = []
    if report.overall.epochs:
        parts += [
            "<h2>Across epochs</h2>",
            table(
                ["k", "tasks", "pass@k", "pass^k"],
                [
                    [str(r.k), str(r.tasks), d.percent(r.pass_at_k), d.percent(r.pass_hat_k)]
                    for r in report.overall.epochs
                ],
            ),
        ]
    levels = [
        [p.name, str(lv.level), str(lv.episodes), str(lv.solved), interval_cell(lv.success)]
        for p in report.packs
        for lv in p.summary.levels
    ]
    if levels:
        parts += ["<h2>By level</h2>", table(["pack", "level", "episodes", "solved", "success [95% CI]"], levels)]
    return parts


def report_page(report: RunReport) -> str:
    meta = (
        f'<p class="meta">model <b>{escape(report.model)}</b> · agent <b>{escape(report.agent)}</b> · budget '
        f"<b>{escape(d.budget(report.budget))}</b> · epochs <b>{report.epochs}</b> · "
        f"{'priced' if report.priced else 'unpriced'} · bootstrap seed {report.seed}</p>"
    )
    body = [
        f"<h1>Run {escape(report.run_id)}</h1>",
        meta,
        *results_section(report),
        *depth_section(report),
        *curves_section(report.curves),
        *epochs_section(report),
    ]
    return page(f"solvemeter report: {report.run_id}", body)


def leaderboard_page(board: Leaderboard) -> str:
    rows = [
        [
            str(rank),
            e.model,
            e.agent,
            ", ".join(f"{p.name} {p.version}" for p in e.packs),
            d.budget(e.budget),
            interval_cell(e.success),
            interval_cell(e.cost_per_solved_usd, "usd", d.DASH if e.priced else d.UNPRICED),
            f"{d.number(e.steps.median)} / {d.number(e.steps.p90)}",
            f"{e.valid_episodes} / {e.episodes}",
            "★" if e.pareto else "",
        ]
        for rank, e in enumerate(board.entries, start=1)
    ]
    points = [
        svg.Point(
            f"{e.model} · {e.agent}",
            e.cost_per_solved_usd.estimate,
            e.success.estimate,
            e.cost_per_solved_usd.low,
            e.cost_per_solved_usd.high,
            e.success.low,
            e.success.high,
            e.pareto,
        )
        for e in board.entries
        if e.cost_per_solved_usd and e.success
    ]
    unplotted = [e.run_id for e in board.entries if not (e.cost_per_solved_usd and e.success)]
    body = [
        "<h1>Leaderboard</h1>",
        f'<p class="meta">schema <b>{escape(board.schema_)}</b> · {len(board.entries)} runs · '
        f"solvemeter {escape(board.suite_version)}</p>",
        table(
            [
                "",
                "model",
                "agent",
                "packs",
                "budget",
                "success [95% CI]",
                "cost per solved [95% CI]",
                "steps med / p90",
                "valid / episodes",
                "Pareto",
            ],
            rows,
            text_columns=5,
        ),
        "<h2>Success against cost per solved task</h2>",
        figure(
            svg.frontier_chart(points, "Success vs cost per solved task", "cost per solved task", "success rate"),
            "whiskers are 95% intervals; the dashed staircase is the Pareto frontier",
        ),
    ]
    if unplotted:
        body.append(f'<p class="note">Not plotted (unpriced or nothing solved): {escape(", ".join(unplotted))}</p>')
    return page("solvemeter leaderboard", body)


def _keys(keys: tuple[EpisodeKey, ...]) -> str:
    shown = ", ".join(f"{k.pack}/{k.task_id}#{k.epoch}" for k in keys[:LISTED_FLIPS])
    return escape(shown + (f" … and {len(keys) - LISTED_FLIPS} more" if len(keys) > LISTED_FLIPS else ""))


def comparison_page(comparison: Comparison) -> str:
    rows = [
        [
            p.a,
            p.b,
            str(p.paired_episodes),
            interval_cell(p.rate_a),
            interval_cell(p.rate_b),
            interval_cell(p.difference, "points"),
            d.p_value(p.p_value),
            d.p_value(p.p_value_holm),
            interval_cell(p.cost_difference_usd, "signed_usd", d.UNPRICED),
            interval_cell(p.steps_difference, "signed_number"),
        ]
        for p in comparison.pairs
    ]
    flips = [(f"{p.a} → {p.b}", len(p.gained), len(p.lost)) for p in comparison.pairs]
    lists = [
        f"<details><summary>{escape(p.a)} → {escape(p.b)}: {len(p.gained)} gained, {len(p.lost)} lost"
        f"</summary><p>gained: {_keys(p.gained) or '—'}</p><p>lost: {_keys(p.lost) or '—'}</p></details>"
        for p in comparison.pairs
    ]
    body = [
        "<h1>Paired comparison</h1>",
        f'<p class="meta">runs <b>{escape(", ".join(comparison.runs))}</b></p>',
        *(
            f'<p class="warn">Compared with --force although {escape(difference)}.</p>'
            for difference in comparison.pack_differences
        ),
        table(
            [
                "a",
                "b",
                "pairs",
                "success a",
                "success b",
                "b − a [95% CI]",
                "p (McNemar)",
                "p (Holm)",
                "Δ cost / episode",
                "Δ steps / episode",
            ],
            rows,
            text_columns=2,
        ),
        "<h2>Episodes that flipped</h2>",
        figure(svg.flips_chart(flips, "Episodes that flipped"), "lost to the left, gained to the right"),
        *lists,
    ]
    return page("solvemeter comparison", body)


def write_page(path: Path, html: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
