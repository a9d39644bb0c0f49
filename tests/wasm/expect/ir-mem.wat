(module
  (type (;0;) (func (param i32 i64) (result i32)))
  (type (;1;) (func (param i32 i64 i64 i64 i64) (result i64)))
  (type (;2;) (func (param i32 i64 i32 i32 i32) (result i32)))
  (type (;3;) (func (param i32 i64 i64 i32 i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1))
  (import "env" "__indirect_function_table" (table (;0;) 0 funcref))
  (func (;0;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i32 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    i64.const 8
    local.set 8
    local.get 0
    i64.load
    local.set 2
    local.get 2
    local.get 8
    i64.add
    local.set 6
    local.get 0
    local.get 6
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 14
    local.get 6
    i64.const -4096
    i64.and
    local.get 14
    i64.load offset=576
    i64.eq
    if (result i64)  ;; label = @1
      local.get 14
      i64.load offset=600
      local.get 6
      i64.add
      i32.wrap_i64
      i64.load8_s
    else
      local.get 0
      local.get 6
      i32.const 4
      i32.const 0
      local.get 0
      i32.const 56
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 15
      if  ;; label = @2
        local.get 15
        return
      end
      local.get 0
      i64.load offset=56
      i64.extend8_s
    end
    local.set 7
    local.get 0
    local.get 6
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 14
    local.get 6
    i64.const -4089
    i64.and
    local.get 14
    i64.load offset=8768
    i64.eq
    if (result i64)  ;; label = @1
      local.get 14
      i64.load offset=8792
      local.get 6
      i64.add
      i32.wrap_i64
      i64.load
    else
      local.get 0
      local.get 6
      i32.const 19
      i32.const 65540
      local.get 0
      i32.const 56
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 15
      if  ;; label = @2
        local.get 15
        return
      end
      local.get 0
      i64.load offset=56
    end
    local.set 3
    local.get 0
    local.get 2
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 14
    local.get 2
    i64.const -4093
    i64.and
    local.get 14
    i64.load offset=8768
    i64.eq
    if (result i64)  ;; label = @1
      local.get 14
      i64.load offset=8792
      local.get 2
      i64.add
      i32.wrap_i64
      i64.load32_s
    else
      local.get 0
      local.get 3
      i64.store offset=8
      local.get 0
      local.get 2
      i32.const 22
      i32.const 131080
      local.get 0
      i32.const 56
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 15
      if  ;; label = @2
        local.get 15
        return
      end
      local.get 0
      i64.load offset=56
      i64.extend32_s
    end
    i32.wrap_i64
    local.set 5
    local.get 7
    local.get 3
    i64.add
    local.set 7
    local.get 0
    i64.load offset=16
    local.set 4
    local.get 0
    local.get 4
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 14
    local.get 4
    i64.const -4095
    i64.and
    local.get 14
    i64.load offset=584
    i64.eq
    if  ;; label = @1
      local.get 14
      i64.load offset=600
      local.get 4
      i64.add
      i32.wrap_i64
      local.get 7
      i64.store16
    else
      local.get 0
      local.get 3
      i64.store offset=8
      local.get 0
      local.get 5
      i32.store offset=24
      local.get 0
      local.get 4
      local.get 7
      i64.const 65535
      i64.and
      i32.const 1
      i32.const 196620
      i32.const 11
      call_indirect (type 3)
      local.tee 15
      if  ;; label = @2
        local.get 15
        return
      end
    end
    local.get 0
    local.get 6
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 14
    local.get 6
    i64.const -4093
    i64.and
    local.get 14
    i64.load offset=584
    i64.eq
    if  ;; label = @1
      local.get 14
      i64.load offset=600
      local.get 6
      i64.add
      i32.wrap_i64
      local.get 5
      i64.extend_i32_u
      i64.store32
    else
      local.get 0
      local.get 3
      i64.store offset=8
      local.get 0
      local.get 5
      i32.store offset=24
      local.get 0
      local.get 6
      local.get 5
      i64.extend_i32_u
      i32.const 2
      i32.const 262160
      i32.const 11
      call_indirect (type 3)
      local.tee 15
      if  ;; label = @2
        local.get 15
        return
      end
    end
    local.get 0
    local.get 3
    i64.store offset=8
    local.get 0
    local.get 5
    i32.store offset=24
    i32.const 0
    return)
  (export "f0" (func 0)))
