/*
 * The floor of a process scan: list /proc and open + read + close every /proc/<pid>/stat,
 * nothing else (no parsing). `statfloor loop` does one pass a second until killed (its CPU is
 * measured from outside like a monitor's); `statfloor passes N` does N passes back to back and
 * prints "<pids> <cpu ms per pass>".
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char buf[4096];

static int pass(void) {
  DIR *d = opendir("/proc");
  if (!d) return 0;
  struct dirent *e;
  int n = 0;
  char path[300];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    if (read(fd, buf, sizeof buf) > 0) n++;
    close(fd);
  }
  closedir(d);
  return n;
}

static double cpu_ms(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec * 1e3 + r.ru_utime.tv_usec / 1e3 + r.ru_stime.tv_sec * 1e3 + r.ru_stime.tv_usec / 1e3;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "passes") == 0) {
    int passes = atoi(argv[2]), n = 0;
    pass(); /* warm the dentry cache like a running monitor would be */
    double c0 = cpu_ms();
    for (int i = 0; i < passes; i++) n = pass();
    printf("%d %.4f\n", n, (cpu_ms() - c0) / passes);
    return 0;
  }
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    pass();
    next.tv_sec += 1;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
}
