"""`seed_demo --members 100000` into a fresh database: how long it takes, how many rows.

    DATABASE_URL=postgres://… python bench/seed_demo.py [--members N] [--baseline-members N]

A scratch database is created on the DATABASE_URL server, migrated, seeded and dropped.
In the same run the default demo size is seeded too, as the baseline the rate per member
is compared with; the goal is the issue's (under 120 s for 100,000 members).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import count_rows, database_url, manage, report, scratch_database  # noqa: E402

GOAL_SECONDS = 120.0
TABLES = ["portal_organization", "portal_organizationperiod", "portal_organizationchange", "portal_person",
          "portal_partystatuschange", "portal_position", "portal_grant", "portal_user", "portal_rowhistory"]


def seed_once(url: str, members: int, label: str) -> dict:
    with scratch_database(url, label) as db:
        migrate_seconds, _ = manage(db, "migrate", "--no-input", quiet=True)
        seconds, output = manage(db, "seed_demo", "--members", str(members), quiet=True)
        rows = count_rows(db, TABLES)
    print(output.splitlines()[0] if output else "")
    return {"members": members, "seconds": round(seconds, 2), "migrate_seconds": round(migrate_seconds, 2),
            "rows": rows, "rows_total": sum(rows.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--baseline-members", type=int, default=2_000)
    args = parser.parse_args()
    url = database_url()

    baseline = seed_once(url, args.baseline_members, "seedbase")
    print(f"baseline: {baseline['members']} members seeded in {baseline['seconds']:.1f} s "
          f"(migrate {baseline['migrate_seconds']:.1f} s)")
    run = seed_once(url, args.members, "seed")
    print(f"seed_demo --members {run['members']}: {run['seconds']:.1f} s "
          f"(goal under {GOAL_SECONDS:.0f} s), migrate {run['migrate_seconds']:.1f} s")
    for table, n in run["rows"].items():
        print(f"  {table:<28} {n:>9,}")
    per_1000 = run["seconds"] / run["members"] * 1000
    baseline_per_1000 = baseline["seconds"] / baseline["members"] * 1000
    print(f"seconds per 1,000 members: {per_1000:.2f} (baseline {baseline_per_1000:.2f}, which includes "
          f"the fixed cost of starting Django and hashing five passwords)")
    report({
        "benchmark": "seed_demo",
        "members": run["members"],
        "seconds": run["seconds"],
        "rows": run["rows"],
        "rows_total": run["rows_total"],
        "rows_per_second": round(run["rows_total"] / run["seconds"]),
        "goal_seconds": GOAL_SECONDS,
        "goal_met": run["seconds"] < GOAL_SECONDS,
        "baseline": {"members": baseline["members"], "seconds": baseline["seconds"],
                     "seconds_per_1000_members": round(baseline_per_1000, 3)},
        "seconds_per_1000_members": round(per_1000, 3),
    })


if __name__ == "__main__":
    main()
