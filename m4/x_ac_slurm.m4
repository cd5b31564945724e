# X_AC_SLURM: optional libslurm.  Debian's 22.05 ships no slurm.pc, so probe the
# header and the library by hand; --with-slurm=PATH names a prefix.
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
    AS_IF([test "x$x_ac_slurm_summary" = xyes], [
      SLURM_LIBS=-lslurm
      AC_DEFINE([HAVE_LIBSLURM], [1], [Define if libslurm is available])
    ], [test "x$with_slurm" != xcheck], [
      AC_MSG_ERROR([--with-slurm given but slurm/slurm.h or -lslurm not found])
    ])
  ])
  AS_IF([test "x$x_ac_slurm_summary" = xno],
    [x_ac_slurm_summary="no (the squeue/scancel command-line fallback is used)"])
  AM_CONDITIONAL([HAVE_LIBSLURM], [test "x$SLURM_LIBS" != x])
  AC_SUBST([SLURM_CPPFLAGS])
  AC_SUBST([SLURM_LDFLAGS])
  AC_SUBST([SLURM_LIBS])
])
