"""The results screen of a 200-learner class: the page and its save.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/training_results.py [--runs N] [--learners N]

In a scratch database beside DATABASE_URL's (migrated here, dropped afterwards): a
province with a đảng ủy where the `daotao` account may train, a nhận thức về Đảng class
(a test, pass mark 5) with `--learners` enrolled quần chúng and six lessons. As `daotao`
through Django's test client (every middleware, the session, the access rule), time GET
/training/classes/<id>/results/ and its POST (every learner's score in one request, a
different set of scores each run, answered by a redirect) `--runs` times each. Baseline
in the same run: the same for a class of a tenth of the learners. Goal: p95 under 300 ms
for the page and for the save.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, database_url, django_env, manage, report, scratch_database  # noqa: E402

GOAL_P95_MS = 300.0


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(samples):
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1),
            "max_ms": round(max(samples), 1), "runs": len(samples)}


def setup(learners: int, baseline: int):
    import datetime

    from django.utils import timezone

    from portal.audit import acting_as
    from portal.models import Ethnicity, Grant, OrgLevel, PartyStatus, Person, StaffRole, User
    from portal.tree import create_organization
    from training.models import ClassType, Enrollment, Lesson, TrainingClass

    today = timezone.localdate()
    with acting_as(context="bench"):
        level = OrgLevel.objects.get
        province = create_organization(code="TINH", name="Đảng bộ tỉnh", level=level(code="dang-bo-tinh"), parent=None,
                                       established_on=datetime.date(2000, 1, 1))
        committee = create_organization(code="DBK", name="Đảng bộ Khối", parent=province,
                                        level=level(code="dang-bo-truc-thuoc"), established_on=datetime.date(2000, 1, 1))
        cell = create_organization(code="CB1", name="Chi bộ Văn phòng", parent=committee,
                                   level=level(code="chi-bo-truc-thuoc"), established_on=datetime.date(2000, 1, 1))
        user = User.objects.create_user("daotao", password="bench-only")
        Grant.objects.create(user=user, organization=committee, role=StaffRole.objects.get(code="daotao"),
                             started_on=datetime.date(2020, 1, 1))
        masses, kinh = PartyStatus.objects.get(code="quan-chung"), Ethnicity.objects.get(code="kinh")
        classes = {}
        for size in (learners, baseline):
            start = today - datetime.timedelta(days=30)
            training_class = TrainingClass.objects.create(
                class_type=ClassType.objects.get(code="nhan-thuc-ve-dang"), organizer=committee,
                name=f"Lớp {size} học viên", starts_on=start, ends_on=start + datetime.timedelta(days=10),
                capacity=size, place="Hội trường")
            Lesson.objects.bulk_create([Lesson(training_class=training_class, number=n, title=f"Bài {n}",
                                               held_on=start + datetime.timedelta(days=n), periods=4)
                                        for n in range(1, 7)])
            people = [Person(full_name=f"Quần Chúng {size} Số {i:04d}", gender="nam", ethnicity=kinh,
                             party_status=masses, organization=cell) for i in range(size)]
            for person in people:
                person.refresh_derived_names()
            Person.objects.bulk_create(people)
            Enrollment.objects.bulk_create([Enrollment(training_class=training_class, person=p,
                                                       learner_organization=cell) for p in people])
            classes[size] = (training_class.pk, list(Enrollment.objects.filter(training_class=training_class)
                                                     .values_list("pk", flat=True)))
    return user, classes


def measure(client, class_id, enrollment_ids, runs):
    url = f"/training/classes/{class_id}/results/"
    page, save = [], []
    rng = random.Random(class_id)
    client.get(url, secure=True)  # warm: templates, caches
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        page.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        data = {"enrollment": [str(pk) for pk in enrollment_ids]}
        for pk in enrollment_ids:
            data[f"score-{pk}"] = f"{rng.randint(0, 10)},{rng.choice([0, 5])}".replace("10,5", "10")
        body = urllib.parse.urlencode(data, doseq=True)  # what the browser's form sends
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/x-www-form-urlencoded", secure=True)
        save.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.content[:2000]
    return figures(page), figures(save)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--learners", type=int, default=200)
    args = parser.parse_args()
    baseline = max(1, args.learners // 10)
    with scratch_database(database_url(), "training_results") as db:
        manage(db, "migrate", "--no-input", quiet=True)
        # Production settings (DEBUG off, hashed static files collected), as bench/http_latency.py.
        env = django_env(db, DEBUG="false", ALLOWED_HOSTS="testserver", STATIC_ROOT=tempfile.mkdtemp(prefix="bench-"),
                         LOG_LEVEL="WARNING")
        manage(db, "collectstatic", "--no-input", quiet=True, DEBUG="false", STATIC_ROOT=env["STATIC_ROOT"])
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        from training.models import Enrollment

        try:
            user, classes = setup(args.learners, baseline)
            client = Client()
            client.force_login(user)
            results = {}
            for size in (baseline, args.learners):
                class_id, ids = classes[size]
                results[size] = measure(client, class_id, ids, args.runs)
                page, save = results[size]
                print(f"{size:>4} learners: page p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms; "
                      f"save p50 {save['p50_ms']} ms, p95 {save['p95_ms']} ms ({args.runs} runs each)")
            recorded = Enrollment.objects.exclude(result="").count()
            assert recorded == args.learners + baseline, recorded
        finally:
            connections.close_all()
    page, save = results[args.learners]
    base_page, base_save = results[baseline]
    ok = page["p95_ms"] < GOAL_P95_MS and save["p95_ms"] < GOAL_P95_MS
    print(f"goal p95 < {GOAL_P95_MS:.0f} ms for page and save: {'met' if ok else 'NOT met'}")
    report({"benchmark": "training_results", "learners": args.learners, "runs": args.runs,
            "page": page, "save": save, "goal_p95_ms": GOAL_P95_MS, "goal_met": ok,
            "baseline": {"learners": baseline, "page": base_page, "save": base_save}})


if __name__ == "__main__":
    main()
