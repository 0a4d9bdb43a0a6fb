# The faultfs tests (included from faults/CMakeLists.txt, where urt-faults
# and _faults_size are defined).  Each skips (77) without FUSE.
if(NOT TARGET urt-faultfs)
  return()
endif()
add_test(NAME faults.faultfs
  COMMAND urt-faults faultfs --seed 20261130 ${_faults_size} --watchdog 60)
add_test(NAME faults.faultfs-daemon
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/faultfs/test_faultfs.sh $<TARGET_FILE:urt-faultfs>)
add_test(NAME faults.faultfs-detects
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_faultfs_detects.sh $<TARGET_FILE:urt-faults>)
set_tests_properties(faults.faultfs faults.faultfs-daemon faults.faultfs-detects
  PROPERTIES LABELS faults TIMEOUT 150 SKIP_RETURN_CODE 77)
