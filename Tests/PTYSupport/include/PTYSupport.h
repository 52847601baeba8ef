#ifndef PTY_SUPPORT_H
#define PTY_SUPPORT_H

/// Opens a pseudo-terminal pair for tests that need a program to see a TTY on stdin.
/// Returns the controlling side's descriptor and stores the other side's (already opened) in *terminal_side,
/// or -1 with errno set.
int cstar_test_open_pty(int *terminal_side);

#endif
