"""A separate process for the feedback durability tests (run as a script, never imported by pytest).

    python feedback_worker.py write HOME PREFIX COUNT INGEST_INTERVAL   # prints 'ack <id>' per durable rating
    python feedback_worker.py read DB SECONDS                           # prints 'reads <n>' after reading stats
"""

import sys
import time


def write(home: str, prefix: str, count: int, ingest_interval: float) -> None:
    from feedback.log import FeedbackLog

    with FeedbackLog(home, ingest_interval_s=ingest_interval if ingest_interval > 0 else None) as feedback:
        conversation = feedback.start_conversation(f"{prefix}-customer", "v0001", "support-v0001",
                                                   conversation_id=f"{prefix}-conversation")
        turn = feedback.log_turn(conversation.id, 0, "assistant", "Your parcel ships today.", version="v0001",
                                 turn_id=f"{prefix}-turn")
        print("ready", flush=True)
        for number in range(count):
            rating = feedback.log_rating(turn.id, "customer", f"{prefix}-session-{number}", thumbs=number % 2 == 0,
                                         rating_id=f"{prefix}-rating-{number}")
            print("ack", rating.id, flush=True)
    print("done", flush=True)


def read(db: str, seconds: float) -> None:
    from feedback.reader import open_reader

    reads = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open_reader(db, timeout_s=20) as store:
            store.stats()
        reads += 1
    print("reads", reads, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        read(sys.argv[2], float(sys.argv[3]))
