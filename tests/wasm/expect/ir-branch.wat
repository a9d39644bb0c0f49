(module
  (type (;0;) (func (param i32 i64) (result i32)))
  (type (;1;) (func (param i32 i64 i64 i64 i64) (result i64)))
  (type (;2;) (func (param i32 i64 i32 i32 i32) (result i32)))
  (type (;3;) (func (param i32 i64 i64 i32 i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1))
  (import "env" "__indirect_function_table" (table (;0;) 0 funcref))
  (func (;0;) (type 0) (param i32 i64) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    block  ;; label = @1
      block  ;; label = @2
        i64.const 1
        local.set 5
        local.get 0
        i64.load
        local.set 2
        local.get 2
        local.get 5
        i64.add
        local.set 2
        local.get 0
        local.get 2
        i64.store
        local.get 2
        local.get 0
        i64.load offset=8
        local.set 3
        local.get 3
        i64.lt_s
        br_if 0 (;@2;)
        local.get 0
        i64.load offset=16
        local.set 4
        local.get 4
        local.get 5
        i64.sub
        local.set 4
        local.get 0
        local.get 4
        i64.store offset=16
        br 1 (;@1;)
      end
      local.get 0
      i64.load offset=16
      local.set 4
      local.get 4
      local.get 0
      i64.load
      local.set 2
      local.get 2
      i64.xor
      local.set 4
      local.get 0
      local.get 4
      i64.store offset=16
    end
    local.get 0
    i64.load offset=8
    local.set 3
    local.get 3
    local.get 0
    i64.load offset=16
    local.set 4
    local.get 4
    i64.add
    local.set 3
    local.get 0
    local.get 3
    i64.store offset=8
    i32.const 2
    return)
  (export "f0" (func 0)))
