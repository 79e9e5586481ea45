"""Issuing 2,000 certificates, PDFs included, for classes of one organizer.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/training_certificates.py [--certificates N] [--class-size N]

In a scratch database (migrated here, dropped afterwards) with PDFs in a scratch folder:
one đảng bộ cơ sở organizes classes of `--class-size` passed learners (the "đảng viên mới"
type, which certifies) until `--certificates` learners in all; each class's certificates
are issued by the issuing job (`training.certificates_issue`, run in this process by
portal.jobs' run_job, as a worker runs it: numbers in batches under the register's lock,
then each PDF rendered and stored), one class after the other. Timed from the first job's
start to the last one's end; the PDFs written are counted in the storage and checked to be
PDFs. In the same run, the baseline: one class of 200 certificates issued the same way
first (so the figure says whether the rate holds as the register grows), and the numbers
alone (no PDF) for another 200, to show what the PDFs cost.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, database_url, django_env, manage, report, scratch_database  # noqa: E402

BASELINE = 200


def setup_django(db: str, files: str) -> None:
    # Its own Celery queue: the jobs run in this process, no worker of another run takes them.
    os.environ.update(django_env(db, PRIVATE_FILES_ROOT=files, MEDIA_ROOT=files, CELERY_QUEUE="bench_certificates"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_world(total_classes: int, class_size: int):
    """An organizer, a user who may TRAIN there, and the classes with passed learners (bulk)."""
    from portal import tree
    from portal.models import Ethnicity, Grant, OrgLevel, PartyStatus, Person, StaffRole, User
    from training.models import ClassType, Enrollment, TrainingClass

    founded = datetime.date(2020, 1, 1)
    top = tree.create_organization(code="BENCH", name="Đảng bộ tỉnh thử", established_on=founded,
                                   level=OrgLevel.objects.get(code="dang-bo-tinh"), parent=None)
    organizer = tree.create_organization(code="BENCH-CS", name="Đảng bộ cơ sở Trường Chính trị", parent=top,
                                         established_on=founded, level=OrgLevel.objects.get(code="dang-bo-co-so"))
    user = User.objects.create_user("bench-daotao", password="x")
    Grant.objects.create(user=user, organization=top, role=StaffRole.objects.get(code="daotao"),
                         started_on=datetime.date(2020, 1, 1))
    status, kinh = PartyStatus.objects.get(code="du-bi"), Ethnicity.objects.get(code="kinh")
    class_type = ClassType.objects.get(code="dang-vien-moi")
    classes = []
    for index in range(total_classes):
        starts = datetime.date(datetime.date.today().year, 1, 5) + datetime.timedelta(days=index)
        training_class = TrainingClass.objects.create(
            class_type=class_type, organizer=organizer, name=f"Lớp đảng viên mới khóa {index + 1}",
            starts_on=starts, ends_on=starts + datetime.timedelta(days=4), capacity=class_size, place="Hội trường")
        people = []
        for n in range(class_size):
            person = Person(full_name=f"Nguyễn Văn Học Viên {index:03d}-{n:04d}", gender="nam", ethnicity=kinh,
                            party_status=status, organization=organizer, birth_date=datetime.date(1995, 6, 1))
            person.refresh_derived_names()
            people.append(person)
        Person.objects.bulk_create(people)
        Enrollment.objects.bulk_create([
            Enrollment(training_class=training_class, person=person, learner_organization=organizer, score=8,
                       result=Enrollment.Result.PASSED) for person in people])
        classes.append(training_class)
    return organizer, user, classes


def issue(classes, user) -> float:
    """Seconds to issue every class's certificates through the job, one class after the other."""
    from portal.jobs.models import Job
    from portal.jobs.services import run_job
    from training.services import certificates

    started = time.perf_counter()
    for training_class in classes:
        job = certificates.start_issuing(by=user, training_class=training_class)
        run_job(job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and job.progress == 100, (job.status, job.error)
    return time.perf_counter() - started


def count_pdfs(folder: str) -> tuple[int, int]:
    """PDF files under the storage's certificates/ folder, and their total bytes; each checked."""
    count = size = 0
    for path in Path(folder, "certificates").rglob("*.pdf"):
        content = path.read_bytes()
        assert content.startswith(b"%PDF") and b"%%EOF" in content[-64:], path
        count, size = count + 1, size + len(content)
    return count, size


def run(certificates_wanted: int, class_size: int, files: str) -> dict:
    from training.models import Certificate
    from training.services import certificates

    main_classes = -(-certificates_wanted // class_size)
    baseline_classes = -(-BASELINE // class_size)
    organizer, user, classes = make_world(main_classes + 2 * baseline_classes, class_size)
    numbers_only, baseline, main = (classes[:baseline_classes], classes[baseline_classes:2 * baseline_classes],
                                    classes[2 * baseline_classes:])
    print(f"{len(classes)} classes of {class_size} passed learners at {organizer.name}")

    started = time.perf_counter()
    for training_class in numbers_only:
        certificates.issue_for_class(training_class, by=user, pdfs=False)
    numbers_seconds = time.perf_counter() - started
    numbers_count = Certificate.objects.filter(enrollment__training_class__in=numbers_only).count()
    print(f"numbers alone (no PDF): {numbers_count:,} in {numbers_seconds:.2f} s = "
          f"{numbers_count / numbers_seconds:,.0f} a second")

    baseline_seconds = issue(baseline, user)
    baseline_count = Certificate.objects.filter(enrollment__training_class__in=baseline).count()
    baseline_rate = baseline_count / baseline_seconds
    print(f"baseline: {baseline_count:,} certificates with PDFs in {baseline_seconds:.2f} s = "
          f"{baseline_rate:.1f} a second")

    main_seconds = issue(main, user)
    main_count = Certificate.objects.filter(enrollment__training_class__in=main).count()
    rate = main_count / main_seconds
    pdfs, pdf_bytes = count_pdfs(files)
    numbers = sorted(Certificate.objects.filter(organizer=organizer).values_list("number", flat=True))
    gapless = numbers == list(range(1, len(numbers) + 1))
    print(f"main: {main_count:,} certificates with PDFs in {main_seconds:.2f} s = {rate:.1f} a second "
          f"({rate / baseline_rate:.2f}× the baseline's rate)")
    print(f"PDFs in the storage: {pdfs:,} ({pdf_bytes / pdfs / 1024:.1f} KiB each); register numbers 1…{len(numbers):,} "
          f"{'without gap or duplicate' if gapless else 'WITH GAPS'}")
    return {"certificates": main_count, "seconds": round(main_seconds, 2), "per_second": round(rate, 1),
            "pdfs": pdfs, "pdf_kib_each": round(pdf_bytes / pdfs / 1024, 1), "numbers_gapless": gapless,
            "baseline": {"name": f"{baseline_count} certificates with PDFs, same run", "certificates": baseline_count,
                         "seconds": round(baseline_seconds, 2), "per_second": round(baseline_rate, 1)},
            "numbers_only_per_second": round(numbers_count / numbers_seconds),
            "rate_vs_baseline": round(rate / baseline_rate, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=2000)
    parser.add_argument("--class-size", type=int, default=200)
    args = parser.parse_args()
    with scratch_database(database_url(), "certificates") as db, tempfile.TemporaryDirectory() as files:
        manage(db, "migrate", "--no-input", quiet=True)
        setup_django(db, files)
        try:
            outcome = run(args.certificates, args.class_size, files)
        finally:
            from django.db import connections

            connections.close_all()
    report({"benchmark": "training_certificates", "class_size": args.class_size, **outcome})


if __name__ == "__main__":
    main()
