(module
  (type (;0;) (func (param i32 i64) (result i32)))
  (type (;1;) (func (param i32 i64 i64 i64 i64) (result i64)))
  (type (;2;) (func (param i32 i64 i32 i32 i32) (result i32)))
  (type (;3;) (func (param i32 i64 i64 i32 i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1))
  (import "env" "__indirect_function_table" (table (;0;) 0 funcref))
  (func (;0;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i32 i64 i64 i32 i64 i64 i64 i64 i64 i64 i32 i32)
    i64.const -5
    local.set 9
    local.get 0
    i64.load
    local.set 2
    local.get 2
    local.get 9
    i64.add
    local.set 6
    local.get 6
    local.set 10
    local.get 0
    i64.load offset=8
    local.set 3
    local.get 3
    local.set 11
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    i64.const 32
    i64.shr_u
    local.set 13
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    local.tee 14
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    local.set 13
    local.get 14
    i64.const 32
    i64.shr_u
    local.set 14
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    local.tee 12
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    i64.const 32
    i64.shr_u
    local.get 12
    i64.const 32
    i64.shr_u
    i64.add
    local.get 14
    i64.add
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    i64.add
    local.get 10
    i64.const 63
    i64.shr_s
    local.get 11
    i64.and
    i64.sub
    local.get 11
    i64.const 63
    i64.shr_s
    local.get 10
    i64.and
    i64.sub
    local.set 7
    local.get 7
    local.set 10
    local.get 2
    local.set 11
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    i64.const 32
    i64.shr_u
    local.set 13
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    local.tee 14
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    local.set 13
    local.get 14
    i64.const 32
    i64.shr_u
    local.set 14
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    local.tee 12
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    i64.const 32
    i64.shr_u
    local.get 12
    i64.const 32
    i64.shr_u
    i64.add
    local.get 14
    i64.add
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    i64.add
    local.set 4
    local.get 4
    local.set 10
    local.get 6
    local.set 11
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    i64.const 32
    i64.shr_u
    local.set 13
    local.get 10
    i64.const 4294967295
    i64.and
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    local.tee 14
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    local.set 13
    local.get 14
    i64.const 32
    i64.shr_u
    local.set 14
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 4294967295
    i64.and
    i64.mul
    local.tee 12
    i64.const 4294967295
    i64.and
    local.get 13
    i64.add
    i64.const 32
    i64.shr_u
    local.get 12
    i64.const 32
    i64.shr_u
    i64.add
    local.get 14
    i64.add
    local.get 10
    i64.const 32
    i64.shr_u
    local.get 11
    i64.const 32
    i64.shr_u
    i64.mul
    i64.add
    local.get 10
    i64.const 63
    i64.shr_s
    local.get 11
    i64.and
    i64.sub
    local.set 7
    local.get 7
    local.get 3
    i64.shr_s
    local.set 2
    local.get 2
    i32.wrap_i64
    local.set 8
    local.get 8
    i64.extend_i32_s
    local.get 0
    i32.load offset=24
    local.set 5
    local.get 5
    i64.extend_i32_s
    i64.mul
    i64.const 32
    i64.shr_u
    i32.wrap_i64
    local.set 8
    local.get 8
    i32.extend8_s
    local.set 8
    local.get 8
    i32.const -1
    i32.xor
    local.set 5
    local.get 5
    i64.extend_i32_s
    local.set 6
    local.get 6
    i64.const 4294967295
    i64.and
    local.set 6
    i64.const 0
    local.get 6
    i64.sub
    local.set 6
    local.get 6
    local.get 4
    i64.lt_u
    i64.extend_i32_u
    local.set 7
    local.get 2
    local.get 4
    local.get 6
    local.get 7
    i64.ge_s
    select
    local.set 3
    local.get 3
    local.get 7
    i64.shl
    local.set 4
    local.get 0
    local.get 2
    i64.store
    local.get 0
    local.get 3
    i64.store offset=8
    local.get 0
    local.get 4
    i64.store offset=16
    local.get 0
    local.get 5
    i32.store offset=24
    i32.const 1
    return)
  (export "f0" (func 0)))
