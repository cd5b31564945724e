# X_AC_HWLOC: hwloc >= 2.0 (the 2.x API: I/O filters, hwloc_get_next_osdev).
AC_DEFUN([X_AC_HWLOC], [
  PKG_CHECK_MODULES([HWLOC], [hwloc >= 2.0], [],
    [AC_MSG_ERROR([hwloc >= 2.0 not found (Debian: apt-get install libhwloc-dev)])])
  HWLOC_VERSION=$($PKG_CONFIG --modversion hwloc)
  AC_SUBST([HWLOC_VERSION])
])
