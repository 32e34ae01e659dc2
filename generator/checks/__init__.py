"""Checks: cross-checks for finance and audit (重发 多发 一人多卡 …), budget execution, the Excel report."""
