# Run at build time (cmake -P) by the urt_build_stamp target: writes OUT with
# the current git revision, touching it only when the text changes so an
# unchanged tree relinks nothing.
#   -DSRC=<source dir> -DOUT=<file.c> -DVERSION=<x.y.z> -DBUILD_TYPE=<type>
set(rev "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" describe --always --dirty
    OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0 AND NOT out STREQUAL "")
    set(rev "${out}")
  endif()
endif()
string(REPLACE "\\" "\\\\" rev "${rev}")
string(REPLACE "\"" "\\\"" rev "${rev}")
set(text "/* Generated at build time by common/build_stamp.cmake; do not edit. */
const char build_stamp__git[] = \"${rev}\";
const char build_stamp__version[] = \"${VERSION}\";
const char build_stamp__build_type[] = \"${BUILD_TYPE}\";
")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
