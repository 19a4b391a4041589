# gRPC linked statically (AGENTD_STATIC_GRPC, on by default).
#
# Debian's gRPC is eight shared libraries (grpc++, its reflection, grpc, gpr,
# upb, address_sorting, c-ares, RE2) with some 6,000 symbol relocations the
# dynamic loader resolves at every start of agentd, a third of them through
# page faults that are slow on a paravirtualized VM: about 7 ms of CPU per
# start. Debian ships the same libraries as archives (libgrpc++-dev,
# libgrpc-dev, libc-ares-dev, libre2-dev), so the imported targets are pointed
# at those. Only gRPC's own code moves into the binaries: Abseil, protobuf
# and OpenSSL stay shared, since the in-process plugins use the same protobuf
# and Abseil libraries as the host. No plugin links gRPC.
#
# Not under sanitizers, and off when an archive is missing (the shared
# libraries are then used as before).
option(AGENTD_STATIC_GRPC "Link gRPC, c-ares and RE2 statically (faster start)" ON)

function(_agentd_static_grpc)
  if(NOT AGENTD_STATIC_GRPC OR CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    return()
  endif()
  set(pairs gRPC::grpc++ grpc++ gRPC::grpc++_reflection grpc++_reflection gRPC::grpc grpc gRPC::gpr gpr
            gRPC::upb upb gRPC::address_sorting address_sorting c-ares::cares cares re2::re2 re2)
  set(found "")
  while(pairs)
    list(POP_FRONT pairs target name)
    find_library(AGENTD_STATIC_${name} NAMES lib${name}.a)
    if(NOT TARGET ${target} OR NOT AGENTD_STATIC_${name})
      message(STATUS "AGENTD_STATIC_GRPC: no lib${name}.a for ${target}; gRPC stays shared")
      return()
    endif()
    list(APPEND found ${target} ${AGENTD_STATIC_${name}})
  endwhile()
  while(found)
    list(POP_FRONT found target archive)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")  # re2::re2 from gRPC's Findre2: -lre2
      set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${archive}")
    else()
      set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${archive}" IMPORTED_LOCATION_NONE "${archive}")
    endif()
  endwhile()
  message(STATUS "AGENTD_STATIC_GRPC: gRPC, c-ares and RE2 linked statically")
endfunction()
_agentd_static_grpc()
