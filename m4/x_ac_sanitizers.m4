# X_AC_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan.
AC_DEFUN([X_AC_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UBSan])],
    [], [enable_sanitizers=no])
  AS_IF([test "x$enable_sanitizers" = xyes], [
    SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    CFLAGS="$CFLAGS $SAN_FLAGS"
    LDFLAGS="$LDFLAGS $SAN_FLAGS"
  ])
])
