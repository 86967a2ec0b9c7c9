"""The traffic simulator: plays customers and agents through the running app, from the corpus's `simulator` split.

plan.py (which conversations, in which order), judge.py (how good an answer is, and what a customer or an
agent does about it) and console_view.py (reading the agents' console) are pure; run.py does the IO
(gradio_client for customers, the console and the REST API for agents); accounts.py provisions the
simulated agent; report.py formats the `SimulationReport`.
"""
