# X_AC_SLURM: optional libslurm.  Debian's 22.05 ships no slurm.pc, so probe the
# header and the library by hand; --with-slurm=PATH names a prefix.
# hpsearch compiles against the header but never links libslurm: it opens
# it with dlopen at run time and uses it only when its API version matches
# (a libslurm of another release never stops hpsearch from starting).
AC_DEFUN([X_AC_SLURM], [
  AC_ARG_WITH([slurm],
    [AS_HELP_STRING([--with-slurm@<:@=PATH@:>@],
      [use libslurm (optional; PATH is its install prefix) @<:@default=check@:>@])],
    [], [with_slurm=check])
  SLURM_CPPFLAGS=
  SLURM_LDFLAGS=
  SLURM_LIBS=
  x_ac_slurm_summary=no
  AS_IF([test "x$with_slurm" != xno], [
    AS_CASE([$with_slurm], [yes|check], [], [
      SLURM_CPPFLAGS="-I$with_slurm/include"
      SLURM_LDFLAGS="-L$with_slurm/lib"])
    x_ac_save_CPPFLAGS=$CPPFLAGS; x_ac_save_LDFLAGS=$LDFLAGS; x_ac_save_LIBS=$LIBS
    CPPFLAGS="$CPPFLAGS $SLURM_CPPFLAGS"; LDFLAGS="$LDFLAGS $SLURM_LDFLAGS"
    AC_CHECK_HEADER([slurm/slurm.h],
      [AC_CHECK_LIB([slurm], [slurm_load_jobs], [x_ac_slurm_summary=yes])])
    CPPFLAGS=$x_ac_save_CPPFLAGS; LDFLAGS=$x_ac_save_LDFLAGS; LIBS=$x_ac_save_LIBS
    # The API number (libslurm's soname) of the library the header belongs
    # to: the only one whose structs match what hpsearch is compiled with.
    AS_IF([test "x$x_ac_slurm_summary" = xyes], [
      LIBS="$LIBS -lslurm"
      AC_MSG_CHECKING([libslurm's API number])
      AC_RUN_IFELSE([AC_LANG_PROGRAM([[#include <stdio.h>
#include <slurm/slurm.h>]], [[FILE *f = fopen("conftest.api", "w");
        if (!f) return 1; fprintf(f, "%ld", SLURM_VERSION_MAJOR(slurm_api_version()));
        return fclose(f) != 0;]])],
        [x_ac_slurm_api=$(cat conftest.api)], [x_ac_slurm_summary=no])
      AC_MSG_RESULT([${x_ac_slurm_api:-unknown}])
      LIBS=$x_ac_save_LIBS
    ])
    AS_IF([test "x$x_ac_slurm_summary" = xyes], [
      AC_DEFINE([HAVE_SLURM_H], [1], [Define if slurm/slurm.h and libslurm were found])
      AC_DEFINE_UNQUOTED([HPS_SLURM_API], [$x_ac_slurm_api], [libslurm's API number (soname) at build time])
      x_ac_slurm_summary="yes (dlopen at run time; squeue/scancel as the fallback)"
    ], [test "x$with_slurm" != xcheck], [
      AC_MSG_ERROR([--with-slurm given but slurm/slurm.h or -lslurm not found])
    ])
  ])
  AS_IF([test "x$x_ac_slurm_summary" = xno],
    [x_ac_slurm_summary="no (the squeue/scancel command-line fallback is used)"])
  AC_SEARCH_LIBS([dlopen], [dl])
  AC_SUBST([SLURM_CPPFLAGS])
  AC_SUBST([SLURM_LDFLAGS])
  AC_SUBST([SLURM_LIBS])
])
