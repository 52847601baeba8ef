#define _XOPEN_SOURCE 600
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
    int side = open(name, O_RDWR | O_NOCTTY);
    if (side < 0) {
        close(controller);
        return -1;
    }
    *terminal_side = side;
    return controller;
}
