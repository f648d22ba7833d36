# sqlite3: a file database with a table, an index, a transaction and queries.
sqlite3 shop.db <<'SQL'
create table item (id integer primary key, name text not null, price real);
create index item_name on item(name);
begin;
insert into item (name, price) values ('pen', 1.5), ('book', 12.0), ('lamp', 30.25);
insert into item (name, price) select name || '-2', price * 2 from item;
commit;
select count(*), sum(price) from item;
select name, price from item where price > 10 order by price desc;
update item set price = price + 1 where name like 'pen%';
select group_concat(name, ',') from (select name from item order by name);
pragma integrity_check;
SQL
echo "sqlite3 exited $?"
sqlite3 shop.db "select max(price) from item"
sqlite3 shop.db "select * from missing_table" 2>&1; echo "error exited $?"
