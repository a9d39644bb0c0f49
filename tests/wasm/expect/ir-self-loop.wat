(module
  (type (;0;) (func (param i32 i64) (result i32)))
  (type (;1;) (func (param i32 i64 i64 i64 i64) (result i64)))
  (type (;2;) (func (param i32 i64 i32 i32 i32) (result i32)))
  (type (;3;) (func (param i32 i64 i64 i32 i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1))
  (import "env" "__indirect_function_table" (table (;0;) 0 funcref))
  (func (;0;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i32 i64 i32 i64 i64 i64 i64 i64 i32 i32)
    loop (result i32)  ;; label = @1
      block  ;; label = @2
        i64.const 1
        local.set 6
        i32.const 1
        local.set 7
        local.get 0
        i64.load
        local.set 2
        local.get 2
        local.get 6
        i64.add
        local.set 2
        local.get 0
        i64.load offset=16
        local.set 4
        local.get 4
        local.get 2
        i64.add
        local.set 4
        local.get 0
        i32.load offset=24
        local.set 5
        local.get 5
        local.get 7
        i32.add
        local.set 5
        local.get 0
        local.get 2
        i64.store
        local.get 0
        local.get 4
        i64.store offset=16
        local.get 0
        local.get 5
        i32.store offset=24
        local.get 2
        local.get 0
        i64.load offset=8
        local.set 3
        local.get 3
        i64.lt_u
        br_if 0 (;@2;)
        i32.const 0
        return
      end
      local.get 0
      i64.load offset=40
      i64.const 3
      i64.add
      local.tee 8
      local.get 0
      i64.load offset=48
      i64.lt_u
      if  ;; label = @2
        local.get 0
        local.get 8
        i64.store offset=40
        br 1 (;@1;)
      end
      i32.const 1
      return
    end)
  (export "f0" (func 0)))
