"""Tests of the local provider emulator."""
