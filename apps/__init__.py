"""Streamlit app: national police mental-health benchmarks (reads only the serving snapshot)."""
