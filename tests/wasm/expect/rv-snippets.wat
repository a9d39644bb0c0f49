(module
  (type (;0;) (func (param i32 i64) (result i32)))
  (type (;1;) (func (param i32 i64 i64 i64 i64) (result i64)))
  (type (;2;) (func (param i32 i64 i32 i32 i32) (result i32)))
  (type (;3;) (func (param i32 i64 i64 i32 i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1 65536 shared))
  (import "env" "__indirect_function_table" (table (;0;) 0 funcref))
  (func (;0;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i32 i32 i32 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    block  ;; label = @1
      i64.const 1
      local.set 7
      local.get 0
      i64.load offset=80
      local.set 2
      local.get 2
      local.get 7
      i64.add
      local.set 2
      local.get 2
      local.get 0
      i64.load offset=96
      local.set 4
      local.get 4
      i64.add
      local.set 8
      i64.const 3
      local.set 9
      local.get 8
      local.get 9
      i64.shl
      local.set 3
      local.get 2
      local.get 3
      i64.lt_u
      i64.extend_i32_u
      local.set 5
      local.get 2
      i32.wrap_i64
      local.set 10
      local.get 3
      i32.wrap_i64
      local.set 11
      local.get 10
      local.get 11
      i32.add
      local.set 12
      local.get 12
      i64.extend_i32_s
      local.set 6
      local.get 0
      local.get 2
      i64.store offset=80
      local.get 0
      local.get 3
      i64.store offset=88
      local.get 0
      local.get 5
      i64.store offset=104
      local.get 0
      local.get 6
      i64.store offset=112
      local.get 2
      local.get 3
      i64.eq
      br_if 0 (;@1;)
      local.get 1
      local.set 13
      i64.const 24
      local.set 15
      local.get 13
      local.get 15
      i64.add
      local.set 14
      local.get 0
      local.get 14
      i64.store offset=512
      i32.const 0
      return
    end
    local.get 1
    local.set 16
    i64.const 28
    local.set 18
    local.get 16
    local.get 18
    i64.add
    local.set 17
    local.get 0
    local.get 17
    i64.store offset=512
    i32.const 1
    return)
  (func (;1;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    i64.const 8
    local.set 9
    local.get 0
    i64.load offset=88
    local.set 5
    local.get 5
    local.get 9
    i64.add
    local.set 8
    local.get 0
    local.get 8
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 21
    local.get 8
    i64.const -4089
    i64.and
    local.get 21
    i64.load offset=16968
    i64.eq
    if (result i64)  ;; label = @1
      local.get 21
      i64.load offset=16992
      local.get 8
      i64.add
      i32.wrap_i64
      i64.load
    else
      local.get 0
      local.get 8
      i32.const 35
      i32.const 0
      local.get 0
      i32.const 33352
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 22
      if  ;; label = @2
        local.get 22
        return
      end
      local.get 0
      i64.load offset=33352
    end
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
    local.set 21
    local.get 4
    i64.const -4096
    i64.and
    local.get 21
    i64.load offset=16968
    i64.eq
    if (result i64)  ;; label = @1
      local.get 21
      i64.load offset=16992
      local.get 4
      i64.add
      i32.wrap_i64
      i64.load8_u
    else
      local.get 0
      local.get 4
      i64.store offset=80
      local.get 0
      local.get 4
      i32.const 32
      i32.const 65540
      local.get 0
      i32.const 33352
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 22
      if  ;; label = @2
        local.get 22
        return
      end
      local.get 0
      i64.load offset=33352
      i64.const 255
      i64.and
    end
    local.set 6
    i64.const -4
    local.set 11
    local.get 4
    local.get 11
    i64.add
    local.set 10
    local.get 0
    local.get 10
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 21
    local.get 10
    i64.const -4093
    i64.and
    local.get 21
    i64.load offset=16968
    i64.eq
    if (result i64)  ;; label = @1
      local.get 21
      i64.load offset=16992
      local.get 10
      i64.add
      i32.wrap_i64
      i64.load32_s
    else
      local.get 0
      local.get 4
      i64.store offset=80
      local.get 0
      local.get 6
      i64.store offset=96
      local.get 0
      local.get 10
      i32.const 38
      i32.const 131080
      local.get 0
      i32.const 33352
      i32.add
      i32.const 10
      call_indirect (type 2)
      local.tee 22
      if  ;; label = @2
        local.get 22
        return
      end
      local.get 0
      i64.load offset=33352
      i64.extend32_s
    end
    local.set 7
    i64.const 4
    local.set 13
    local.get 6
    local.get 13
    i64.add
    local.set 12
    local.get 0
    local.get 12
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 21
    local.get 12
    i64.const -4093
    i64.and
    local.get 21
    i64.load offset=16976
    i64.eq
    if  ;; label = @1
      local.get 21
      i64.load offset=16992
      local.get 12
      i64.add
      i32.wrap_i64
      local.get 4
      i64.store32
    else
      local.get 0
      local.get 4
      i64.store offset=80
      local.get 0
      local.get 6
      i64.store offset=96
      local.get 0
      local.get 7
      i64.store offset=104
      local.get 0
      local.get 12
      local.get 4
      i64.const 4294967295
      i64.and
      i32.const 34
      i32.const 196620
      i32.const 11
      call_indirect (type 3)
      local.tee 22
      if  ;; label = @2
        local.get 22
        return
      end
    end
    local.get 0
    i64.load offset=16
    local.set 3
    local.get 0
    local.get 3
    i64.const 12
    i64.shr_u
    i32.wrap_i64
    i32.const 255
    i32.and
    i32.const 5
    i32.shl
    i32.add
    local.set 21
    local.get 3
    i64.const -4089
    i64.and
    local.get 21
    i64.load offset=16976
    i64.eq
    if  ;; label = @1
      local.get 21
      i64.load offset=16992
      local.get 3
      i64.add
      i32.wrap_i64
      local.get 7
      i64.store
    else
      local.get 0
      local.get 4
      i64.store offset=80
      local.get 0
      local.get 6
      i64.store offset=96
      local.get 0
      local.get 7
      i64.store offset=104
      local.get 0
      local.get 3
      local.get 7
      i32.const 35
      i32.const 262160
      i32.const 11
      call_indirect (type 3)
      local.tee 22
      if  ;; label = @2
        local.get 22
        return
      end
    end
    i64.const -2
    local.set 15
    local.get 0
    i64.load offset=8
    local.set 2
    local.get 2
    local.get 15
    i64.and
    local.set 14
    local.get 0
    local.get 14
    i64.store offset=512
    local.get 0
    local.get 4
    i64.store offset=80
    local.get 0
    local.get 6
    i64.store offset=96
    local.get 0
    local.get 7
    i64.store offset=104
    i32.const 2
    return)
  (func (;2;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    local.get 0
    i64.load offset=88
    local.set 3
    local.get 3
    local.get 0
    i64.load offset=96
    local.set 4
    local.get 4
    i64.mul
    local.set 2
    local.get 3
    local.set 10
    local.get 4
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
    local.set 5
    local.get 3
    local.set 10
    local.get 4
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
    local.set 6
    local.get 2
    local.set 10
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
    local.set 4
    local.get 0
    local.get 3
    local.get 4
    i64.const 0
    i64.const 0
    i32.const 100
    call_indirect (type 1)
    local.set 10
    local.get 10
    local.set 3
    i64.const 0
    local.set 7
    i64.const 327700
    local.set 8
    i64.const 11
    local.set 9
    local.get 0
    local.get 2
    i64.store offset=80
    local.get 0
    local.get 3
    i64.store offset=88
    local.get 0
    local.get 4
    i64.store offset=96
    local.get 0
    local.get 5
    i64.store offset=104
    local.get 0
    local.get 6
    i64.store offset=112
    local.get 0
    local.get 9
    local.get 7
    local.get 8
    i64.const 0
    i32.const 108
    call_indirect (type 1)
    drop
    local.get 0
    i32.load offset=528
    local.tee 16
    if  ;; label = @1
      local.get 16
      return
    end
    i32.const 4
    return)
  (func (;3;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    local.get 1
    local.set 4
    i64.const 73728
    local.set 5
    local.get 4
    local.get 5
    i64.add
    local.set 3
    local.get 1
    local.set 6
    i64.const 8
    local.set 7
    local.get 6
    local.get 7
    i64.add
    local.set 2
    local.get 1
    local.set 8
    i64.const 20
    local.set 10
    local.get 8
    local.get 10
    i64.add
    local.set 9
    local.get 0
    local.get 9
    i64.store offset=512
    local.get 0
    local.get 2
    i64.store offset=8
    local.get 0
    local.get 3
    i64.store offset=80
    i32.const 0
    return)
  (func (;4;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    i64.const 0
    local.set 4
    i64.const 201536
    local.set 5
    local.get 0
    local.get 5
    local.get 0
    i64.load offset=88
    local.set 3
    local.get 3
    local.get 4
    i64.const 0
    i32.const 109
    call_indirect (type 1)
    local.set 9
    local.get 0
    i32.load offset=528
    local.tee 15
    if  ;; label = @1
      local.get 15
      return
    end
    local.get 9
    local.set 2
    local.get 1
    local.set 6
    i64.const 4
    local.set 8
    local.get 6
    local.get 8
    i64.add
    local.set 7
    local.get 0
    local.get 7
    i64.store offset=512
    local.get 0
    local.get 2
    i64.store offset=80
    i32.const 3
    return)
  (func (;5;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    loop (result i32)  ;; label = @1
      block  ;; label = @2
        local.get 0
        i64.load offset=88
        local.set 3
        local.get 0
        local.get 3
        i64.const 12
        i64.shr_u
        i32.wrap_i64
        i32.const 255
        i32.and
        i32.const 5
        i32.shl
        i32.add
        local.set 17
        local.get 3
        i64.const -4093
        i64.and
        local.get 17
        i64.load offset=16968
        i64.eq
        if (result i64)  ;; label = @3
          local.get 17
          i64.load offset=16992
          local.get 3
          i64.add
          i32.wrap_i64
          i64.load32_s
        else
          local.get 0
          local.get 3
          i32.const 38
          i32.const 0
          local.get 0
          i32.const 33352
          i32.add
          i32.const 10
          call_indirect (type 2)
          local.tee 18
          if  ;; label = @4
            local.get 18
            return
          end
          local.get 0
          i64.load offset=33352
          i64.extend32_s
        end
        local.set 4
        i64.const 4
        local.set 6
        local.get 3
        local.get 6
        i64.add
        local.set 3
        local.get 0
        i64.load offset=80
        local.set 2
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
        local.set 17
        local.get 2
        i64.const -4093
        i64.and
        local.get 17
        i64.load offset=16976
        i64.eq
        if  ;; label = @3
          local.get 17
          i64.load offset=16992
          local.get 2
          i64.add
          i32.wrap_i64
          local.get 4
          i64.store32
        else
          local.get 0
          local.get 3
          i64.store offset=88
          local.get 0
          local.get 4
          i64.store offset=96
          local.get 0
          local.get 2
          local.get 4
          i64.const 4294967295
          i64.and
          i32.const 34
          i32.const 131080
          i32.const 11
          call_indirect (type 3)
          local.tee 18
          if  ;; label = @4
            local.get 18
            return
          end
        end
        i64.const 4
        local.set 7
        local.get 2
        local.get 7
        i64.add
        local.set 2
        local.get 0
        local.get 2
        i64.store offset=80
        local.get 0
        local.get 3
        i64.store offset=88
        local.get 0
        local.get 4
        i64.store offset=96
        local.get 3
        local.get 0
        i64.load offset=104
        local.set 5
        local.get 5
        i64.lt_u
        br_if 0 (;@2;)
        local.get 1
        local.set 8
        i64.const 20
        local.set 10
        local.get 8
        local.get 10
        i64.add
        local.set 9
        local.get 0
        local.get 9
        i64.store offset=512
        i32.const 0
        return
      end
      local.get 1
      local.set 11
      local.get 0
      local.get 11
      i64.store offset=512
      local.get 0
      i64.load offset=568
      i64.const 5
      i64.add
      local.tee 12
      local.get 0
      i64.load offset=576
      i64.lt_u
      if  ;; label = @2
        local.get 0
        local.get 12
        i64.store offset=568
        br 1 (;@1;)
      end
      i32.const 1
      return
    end)
  (export "f0" (func 0))
  (export "f1" (func 1))
  (export "f2" (func 2))
  (export "f3" (func 3))
  (export "f4" (func 4))
  (export "f5" (func 5)))
