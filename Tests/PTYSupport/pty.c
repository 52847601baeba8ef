#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "PTYSupport.h"

int cstar_test_open_pty(int *terminal_side) {
    int controller = posix_openpt(O_RDWR | O_NOCTTY);
    if (controller < 0) return -1;
    const char *name = NULL;
    if (grantpt(controller) != 0 || unlockpt(controller) != 0 || (name = ptsname(controller)) == NULL) {
        close(controller);
        return -1;
    }
    // Close-on-exec, so that other processes tests start meanwhile do not inherit them (the child gets the
    // terminal side through dup2, which clears the flag on its copy).
    int side = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (side < 0 || fcntl(controller, F_SETFD, FD_CLOEXEC) != 0) {
        if (side >= 0) close(side);
        close(controller);
        return -1;
    }
    *terminal_side = side;
    return controller;
}
